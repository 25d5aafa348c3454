// Human-readable description of a Parquet file: `strata parquet inspect FILE`.
#pragma once

#include <string>

#include "parquet/parquet_reader.h"
#include "strata/file_system.h"

namespace strata::parquet {

// Writes to *out_text: file size, writer, rows; the schema (Parquet and strata types); key-value
// metadata; per row group its rows and sizes, and per column chunk codec, encodings,
// compressed/uncompressed bytes, statistics (min, max, nulls, NaNs) and whether a page index
// exists. Errors are those of opening the file.
Status InspectParquet(FileSystem* fs, const std::string& path, std::string* out_text);
void InspectParquet(const ParquetReader& reader, std::string* out_text);
// The logical (or converted) type annotation of a schema element: "TIMESTAMP(MICROS)", "DATE",
// "DECIMAL(9,2)", "UTF8"; "" when it has none.
std::string LogicalName(const SchemaElement& e);

}  // namespace strata::parquet
