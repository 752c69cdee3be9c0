#pragma once
// A concept reference of a prompt, <name|k|>, <name[k]> or <name(k)>, as a value:
// multires/prompt_syntax.h parses and formats it. Torch-free, so the studio facade passes it
// to the app as it is. Concept name -> number of scales, what a parse checks names against.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace mrti {

using ConceptScales = std::map<std::string, int64_t>;

enum class ResolutionForm { fixed, fully, semi };

// "fixed", "fully", "semi"; parse_resolution_form also takes "|", "[", "(".
std::string form_name(ResolutionForm form);
ResolutionForm parse_resolution_form(const std::string& text);

struct ConceptRef {
  std::string name;
  ResolutionForm form = ResolutionForm::fixed;
  int64_t index = 0;          // k in 0..N-1 (for a decimal: min(N-1, floor(rho * N)))
  std::optional<double> rho;  // set when k was written as a decimal
  int64_t num_scales = 0;     // N of the concept when parsed
  bool explicit_form = true;  // false for the bare <name>
};

// The canonical text of a reference: "<cat[3]>", "<cat(0.8)>", "<cat|0|>".
std::string format_concept_ref(const ConceptRef& ref);

}  // namespace mrti
