#include "cli/commands.h"
namespace mrti::cli {
void add_tokenize(CLI::App&) {}
}
