// `mrti`: the command line. Parsing and wiring only; the work is in the engine.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "runtime/config_folder_needed.h"
#include "runtime/error.h"
#include "runtime/error_message.h"

int main(int argc, char** argv) {
  CLI::App app{"mrti - Multiresolution Textual Inversion on Stable Diffusion (LibTorch)"};
  app.set_version_flag("--version", std::string("mrti ") + MRTI_VERSION);
  app.require_subcommand(1);
  mrti::cli::add_tokenize(app);
  mrti::cli::add_info(app);
  mrti::cli::add_generate(app);
  mrti::cli::add_bench(app);
  mrti::cli::add_make_random_model(app);
  mrti::cli::add_concepts(app);
  mrti::cli::add_schedule(app);
  mrti::cli::add_sweep(app);
  mrti::cli::add_train(app);
  mrti::cli::add_make_shapes(app);
  mrti::cli::add_evaluate(app);
  mrti::cli::add_parity(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mrti::ConfigFolderNeeded& e) {
    std::cerr << "error: " << e.what() << " (--config-dir DIR)\n";
    return 1;
  } catch (const mrti::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << mrti::error_message(e) << "\n";
    return 1;
  }
  return 0;
}
