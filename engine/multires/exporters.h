#pragma once
// One resolution of a concept as a standard textual-inversion embedding that other
// Stable Diffusion tools load. The format follows the file extension:
//   .safetensors  AUTOMATIC1111 style: one tensor 'emb_params' [V, d] (A1111 and
//                 diffusers both accept a file with a single tensor), metadata name/step/
//                 sd_checkpoint_name plus where it came from
//   .pt           AUTOMATIC1111's torch pickle: {'string_to_token': {'*': 265},
//                 'string_to_param': {'*': tensor [V, d]}, 'name', 'step',
//                 'sd_checkpoint', 'sd_checkpoint_name'}
//   .bin          diffusers learned_embeds: {'<name>': tensor [V, d]}
// The .pt/.bin files are torch.save zip archives that torch.load reads.
#include <cstdint>
#include <string>

#include "multires/concept.h"

namespace mrti {

// Writes scale `resolution` of `concept` to `path` atomically; throws for a resolution
// out of range or an unknown extension.
void export_embedding(const Concept& concept, int64_t resolution, const std::string& path);

}  // namespace mrti
