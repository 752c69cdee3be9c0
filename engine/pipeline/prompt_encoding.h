#pragma once
// A prompt to text-encoder states, with what the user needs to know about its length.
#include <string>

#include <ATen/core/Tensor.h>

namespace mrti {

struct StableDiffusionModel;

struct EncodedPrompt {
  at::Tensor input_ids;        // [1, 77] int64, padded
  at::Tensor states;           // [1, 77, D] last hidden state, on the model's device
  int token_count = 0;         // tokens between BOS and EOS before truncation
  std::string truncated_text;  // what was cut to fit 75 tokens ("" when nothing)
};

EncodedPrompt encode_prompt(StableDiffusionModel& model, const std::string& prompt);

}  // namespace mrti
