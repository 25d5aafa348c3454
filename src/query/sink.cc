#include "query/sink.h"

#include "parquet/parquet_writer.h"

namespace strata::query {

Result<uint64_t> WriteStreamToParquet(FileSystem* fs, const std::string& path, BatchStream* stream) {
  parquet::WriterOptions options;
  options.atomic = true;
  ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Open(fs, path, stream->fields(), options));
  RecordBatch b;
  uint64_t rows = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool got, stream->Next(&b));
    if (!got) break;
    RETURN_IF_ERROR(writer->Write(b));
    rows += b.num_rows();
  }
  RETURN_IF_ERROR(writer->Close());
  return rows;
}

Result<uint64_t> Drain(BatchStream* stream, const std::function<void(const RecordBatch&)>& fn) {
  RecordBatch b;
  uint64_t rows = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool got, stream->Next(&b));
    if (!got) break;
    rows += b.num_rows();
    if (fn) fn(b);
  }
  return rows;
}

}  // namespace strata::query
