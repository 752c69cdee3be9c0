// Run settings as read back from a run folder's settings.json: every field of the
// textual inversion, DreamBooth and model training settings, wrong types and values
// included, ends in a clear error or in settings that validate.
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "training/dreambooth_trainer.h"
#include "training/model_training_settings.h"
#include "training/textual_inversion_trainer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;  // not JSON: the parser's own concern
  mrti_fuzz::expect_clear_errors([&] { mrti::TextualInversionSettings::from_json(j).validate(); });
  mrti_fuzz::expect_clear_errors([&] { mrti::DreamBoothSettings::from_json(j).validate(); });
  mrti_fuzz::expect_clear_errors([&] { mrti::ModelTrainingSettings::from_json(j).validate(); });
  return 0;
}
