// Helpers shared by the catalog's source files. Not for use outside src/catalog/.
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/status.h"

namespace strata::catalog_internal {

// InvalidArgument naming `what` unless `text` is valid JSON (and an object when object_only).
Status CheckJson(std::string_view text, std::string_view what, bool object_only);

}  // namespace strata::catalog_internal
