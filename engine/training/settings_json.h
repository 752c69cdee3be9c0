#pragma once
// Training settings as JSON. A settings struct lists its keys once, in
//   template <class Self, class Visit> static void fields(Self& s, Visit&& visit)
// calling visit("key", s.member) for each; writing and reading both come from that table.
// Reading: a missing key keeps its default, a value of the wrong type is an error naming
// the key.
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

template <class S>
nlohmann::json fields_to_json(const S& s) {
  nlohmann::json j = nlohmann::json::object();
  S::fields(s, [&](const char* key, const auto& value) { j[key] = value; });
  return j;
}

// `what` names the settings in the error for a value that is not an object.
template <class S>
S fields_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw Error(what + " must be a JSON object");
  S s;
  S::fields(s, [&](const char* key, auto& value) { value = setting_or(j, key, value); });
  return s;
}

}  // namespace mrti
