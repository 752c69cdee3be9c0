#pragma once
// The caption templates of the original textual-inversion training script
// (imagenet_templates_small for objects, imagenet_style_templates_small for styles);
// "{}" stands for the placeholder.
#include <string>
#include <vector>

namespace mrti {

const std::vector<std::string>& object_caption_templates();
const std::vector<std::string>& style_caption_templates();
// "object" or "style"; anything else throws mrti::Error.
const std::vector<std::string>& caption_templates(const std::string& property);

// Every "{}" of `caption_template` replaced by `placeholder`; throws when there is none.
std::string fill_caption(const std::string& caption_template, const std::string& placeholder);

}  // namespace mrti
