#include "training/caption_templates.h"

#include "runtime/error.h"

namespace mrti {

const std::vector<std::string>& object_caption_templates() {
  static const std::vector<std::string> t = {
      "a photo of a {}",          "a rendering of a {}",       "a cropped photo of the {}", "the photo of a {}",
      "a photo of a clean {}",    "a photo of a dirty {}",     "a dark photo of the {}",    "a photo of my {}",
      "a photo of the cool {}",   "a close-up photo of a {}",  "a bright photo of the {}",  "a cropped photo of a {}",
      "a photo of the {}",        "a good photo of the {}",    "a photo of one {}",         "a close-up photo of the {}",
      "a rendition of the {}",    "a photo of the clean {}",   "a rendition of a {}",       "a photo of a nice {}",
      "a good photo of a {}",     "a photo of the nice {}",    "a photo of the small {}",   "a photo of the weird {}",
      "a photo of the large {}",  "a photo of a cool {}",      "a photo of a small {}",
  };
  return t;
}

const std::vector<std::string>& style_caption_templates() {
  static const std::vector<std::string> t = {
      "a painting in the style of {}",          "a rendering in the style of {}",
      "a cropped painting in the style of {}",  "the painting in the style of {}",
      "a clean painting in the style of {}",    "a dirty painting in the style of {}",
      "a dark painting in the style of {}",     "a picture in the style of {}",
      "a cool painting in the style of {}",     "a close-up painting in the style of {}",
      "a bright painting in the style of {}",   "a cropped painting in the style of {}",
      "a good painting in the style of {}",     "a close-up painting in the style of {}",
      "a rendition in the style of {}",         "a nice painting in the style of {}",
      "a small painting in the style of {}",    "a weird painting in the style of {}",
      "a large painting in the style of {}",
  };
  return t;
}

const std::vector<std::string>& caption_templates(const std::string& property) {
  if (property == "object") return object_caption_templates();
  if (property == "style") return style_caption_templates();
  throw Error("unknown learnable property '" + property + "': use \"object\" or \"style\"");
}

std::string fill_caption(const std::string& caption_template, const std::string& placeholder) {
  std::string out;
  bool found = false;
  for (std::size_t i = 0; i < caption_template.size();) {
    if (caption_template.compare(i, 2, "{}") == 0) {
      out += placeholder;
      found = true;
      i += 2;
    } else {
      out += caption_template[i++];
    }
  }
  if (!found) throw Error("caption \"" + caption_template + "\" has no {} where the concept's placeholder goes");
  return out;
}

}  // namespace mrti
