#pragma once
// Reading training settings from JSON: a missing key keeps its default, a value of the
// wrong type is an error naming the key.
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace mrti {

template <typename T>
T setting_or(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const std::exception&) {
    throw Error(std::string("training settings: '") + key + "' has the wrong type (" + j.at(key).dump() + ")");
  }
}

}  // namespace mrti
