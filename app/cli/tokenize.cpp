// mrti tokenize: how CLIP's tokenizer reads a prompt, and whether it fits in 75 tokens.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "text/clip_tokenizer.h"

namespace mrti::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer, prompt;
  bool json = false, tokens = false;
};

void run_tokenize(const TokenizeArgs& a) {
  const ClipTokenizer tok(a.tokenizer);
  ClipEncodeOptions options;
  options.pad = false;
  const ClipEncoding enc = tok.encode(a.prompt, options);

  if (enc.truncated)
    std::cerr << "warning: the prompt has " << enc.num_tokens << " tokens but CLIP reads only " << enc.max_tokens
              << "; this part is cut: \"" << enc.truncated_text << "\"\n";

  if (a.json) {
    nlohmann::ordered_json out;
    out["ids"] = enc.ids;
    out["count"] = enc.num_tokens;
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << "ids:";
  for (int64_t id : enc.ids) std::cout << " " << id;
  std::cout << "\n";
  if (a.tokens) {
    std::cout << "tokens:";
    for (const auto& t : enc.tokens) std::cout << " " << t;
    std::cout << "\n";
  }
  std::cout << "count: " << enc.num_tokens << " / " << enc.max_tokens << "\n";
}

}  // namespace

void add_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Show the CLIP token ids of a prompt and its token count");
  cmd->add_option("--tokenizer", args->tokenizer,
                  "Tokenizer folder (vocab.json + merges.txt), or a diffusers model folder")
      ->required();
  cmd->add_option("prompt", args->prompt, "The prompt")->required();
  cmd->add_flag("--json", args->json, "Print {\"ids\": [...], \"count\": n} only");
  cmd->add_flag("--tokens", args->tokens, "Also print the BPE token strings");
  cmd->footer(
      "The ids run BOS, tokens, EOS, truncated as the text encoder sees them (no padding);\n"
      "count is the number of prompt tokens before truncation.");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace mrti::cli
