#pragma once
// A single-file checkpoint that cannot be read without a folder of the model's diffusers
// configs (or a tokenizer): the caller offers one (the command line's --config-dir, the
// app's folder choice).
#include "runtime/error.h"

namespace mrti {

class ConfigFolderNeeded : public Error {
 public:
  using Error::Error;
};

}  // namespace mrti
