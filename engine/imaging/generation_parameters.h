#pragma once
// The settings that produced an image, in AUTOMATIC1111's "infotext" format, so that
// other Stable Diffusion tools (and we) can read an image's recipe back from it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "imaging/image.h"
#include "imaging/png_io.h"

namespace mrti {

struct GenerationParameters {
  std::string prompt, negative_prompt, sampler, model;
  std::optional<std::string> model_hash;
  int64_t seed = -1;
  int steps = 0, width = 0, height = 0;
  double cfg_scale = 0.0;
  // Further "Key: value" fields, e.g. "Concepts", "Device", "Dtype", "Batch pos".
  std::map<std::string, std::string> extra;

  // AUTOMATIC1111's processing.create_infotext layout:
  //   <prompt>
  //   Negative prompt: <negative>          (only when not empty)
  //   Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model hash: h, Model: m, <extra>...
  // Size is WIDTHxHEIGHT; Sampler and Model are left out when empty, Model hash when
  // unset; extra follows in key order. Values holding ',', ':' or a newline are
  // JSON-quoted as A1111 does; so are values that start with '"', have leading or
  // trailing spaces or hold control characters, which A1111 would not read back
  // unchanged otherwise. The whole text is trimmed, as in A1111. Throws mrti::Error for
  // an extra key that the format cannot carry or that names a standard field.
  std::string to_a1111_string() const;
};

bool operator==(const GenerationParameters& a, const GenerationParameters& b);
inline bool operator!=(const GenerationParameters& a, const GenerationParameters& b) { return !(a == b); }

// Reads an infotext as A1111's parse_generation_parameters does: the last line holds
// the parameters when at least 3 "Key: value" pairs are found on it, lines before a
// "Negative prompt:" line are the prompt, the rest the negative prompt; quoted values
// are JSON-decoded; keys other than the standard ones go to `extra`, and fields that
// are absent keep their defaults. Unlike A1111, prompt lines are not trimmed, so
// parse_a1111(p.to_a1111_string()) == p for any p whose prompt has no leading or
// trailing whitespace and no line starting with "Negative prompt:". Throws mrti::Error
// when Steps, Seed, CFG scale or Size is not a number of the expected form.
GenerationParameters parse_a1111(const std::string& text);

// The PNG text chunk A1111 uses: {"parameters", p.to_a1111_string()}.
PngText to_png_text(const GenerationParameters& p);

// The parameters stored in a PNG's "parameters" text chunk, or nullopt without one.
std::optional<GenerationParameters> read_png_parameters(const std::string& path);

}  // namespace mrti
