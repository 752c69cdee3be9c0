#include "pipeline/prompt_encoding.h"

#include <torch/torch.h>

#include "models/stable_diffusion.h"

namespace mrti {

EncodedPrompt encode_prompt(StableDiffusionModel& model, const std::string& prompt) {
  torch::NoGradGuard no_grad;
  const ClipEncoding enc = model.tokenizer->encode(prompt);
  EncodedPrompt out;
  out.token_count = enc.num_tokens;
  out.truncated_text = enc.truncated ? enc.truncated_text : std::string();
  out.input_ids = torch::tensor(enc.ids, torch::kLong).unsqueeze(0);
  out.states = model.text_encoder->forward(out.input_ids.to(model.device)).last_hidden_state;
  return out;
}

}  // namespace mrti
