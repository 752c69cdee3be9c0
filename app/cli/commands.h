#pragma once
// Each `mrti` subcommand lives in its own file and registers itself here.
#include <CLI/CLI.hpp>

namespace mrti::cli {

void add_tokenize(CLI::App& app);
void add_info(CLI::App& app);

}  // namespace mrti::cli
