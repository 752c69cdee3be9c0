#pragma once
// What the subcommands that write files share: never silently over a user's file.
#include <functional>
#include <string>
#include <vector>

namespace mrti::cli {

// Refuses an existing `path` unless `force` (and always when it is a folder).
void refuse_existing_file(const std::string& path, bool force);

// Refuses, unless `force`, a folder `dir` holding anything that `ours` (given an entry's
// file name) does not recognise as what this command writes there: the command would
// mix its files into, or write over, someone else's. A missing folder is fine.
void refuse_foreign_folder(const std::string& dir, bool force, const std::function<bool(const std::string&)>& ours);

// The first number from `first` for which no file of names(n) exists in `dir`:
// next_image_number counts only NNNNN-*.png names, so a grid's name, or a number past
// 99999, may be taken already.
int unused_number(const std::string& dir, int first, const std::function<std::vector<std::string>(int)>& names);

}  // namespace mrti::cli
