// Factories of the individual codecs, one per file; MakeCodec() dispatches to them.
#pragma once

#include <memory>

#include "codec/compression.h"

namespace strata::codec_internal {

std::unique_ptr<Codec> MakeSnappyCodec();
std::unique_ptr<Codec> MakeLz4RawCodec();
std::unique_ptr<Codec> MakeLz4HadoopCodec();
Result<std::unique_ptr<Codec>> MakeZstdCodec(int level);
Result<std::unique_ptr<Codec>> MakeGzipCodec(int level);

}  // namespace strata::codec_internal
