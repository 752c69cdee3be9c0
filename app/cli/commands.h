#pragma once
// Each `mrti` subcommand lives in its own file and registers itself here.
#include <CLI/CLI.hpp>

namespace mrti::cli {

void add_tokenize(CLI::App& app);
void add_info(CLI::App& app);
void add_generate(CLI::App& app);
void add_bench(CLI::App& app);
void add_make_random_model(CLI::App& app);
void add_concepts(CLI::App& app);
void add_schedule(CLI::App& app);
void add_sweep(CLI::App& app);
void add_train(CLI::App& app);
void add_make_shapes(CLI::App& app);
void add_evaluate(CLI::App& app);
void add_parity(CLI::App& app);

}  // namespace mrti::cli
