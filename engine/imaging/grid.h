#pragma once
// Several images tiled into one, for batch overviews and saved contact sheets.
#include <vector>

#include "imaging/image.h"

namespace mrti {

// Tiles `images` row by row into `columns` columns (0: ceil(sqrt(n)), the most
// nearly square layout). Every cell is as large as the largest image; a smaller image is
// centred in its cell. `padding` pixels of `background` separate the cells and frame
// the grid, so the result is columns*(W+padding)+padding wide and
// rows*(H+padding)+padding high. Throws mrti::Error for no images or an empty one.
Image make_grid(const std::vector<Image>& images, int columns = 0, int padding = 0, Rgb8 background = {});

}  // namespace mrti
