// The prompt syntax (<c|k|>, <c[k]>, <c(x)>): any text parses or is refused with the
// token at fault, the segments cover the text exactly, and every reference formats back
// to text that parses to the same reference.
#include "fuzz_support.h"
#include "multires/prompt_syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const mrti::ConceptScales known = {{"cat", 10}, {"dog", 1}, {"my-owl_2", 3}};
  mrti_fuzz::expect_clear_errors([&] {
    const auto parsed = mrti::parse_prompt(text, known);
    std::string joined;
    for (const auto& s : parsed.segments) joined += s.text;
    if (joined != text) std::abort();
    for (const auto& ref : parsed.concept_refs()) {
      const auto again = mrti::parse_prompt(mrti::format_concept_ref(ref), known).concept_refs();
      if (again.size() != 1 || again[0].name != ref.name || again[0].form != ref.form || again[0].index != ref.index)
        std::abort();
    }
  });
  mrti_fuzz::expect_clear_errors([&] {
    mrti::PromptParseOptions o;
    o.default_num_scales = 5;
    (void)mrti::parse_prompt(text, {}, o);
  });
  return 0;
}
