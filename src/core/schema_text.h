// The text form of a field list, "ts:timestamp,symbol:symbol,note:string?": what Schema::ToString
// writes and what Parquet files written by strata keep in their key-value metadata.
#pragma once

#include <string>
#include <vector>

#include "strata/schema.h"

namespace strata {

// Any field list (no table rules); Schema::Parse and parquet::ParseFields read it back.
std::string FieldsToString(const std::vector<Field>& fields);

}  // namespace strata
