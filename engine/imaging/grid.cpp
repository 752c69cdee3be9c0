#include "imaging/grid.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "runtime/error.h"

namespace mrti {

Image make_grid(const std::vector<Image>& images, int columns, int padding, Rgb8 background) {
  if (images.empty()) throw Error("make_grid: no images given");
  if (padding < 0) throw Error("make_grid: padding must not be negative (got " + std::to_string(padding) + ")");
  const int n = static_cast<int>(images.size());
  int cell_w = 0, cell_h = 0;
  for (int i = 0; i < n; ++i) {
    const Image& img = images[static_cast<std::size_t>(i)];
    if (!img.valid() || img.empty())
      throw Error("make_grid: image " + std::to_string(i) + " is empty or its buffer does not match " +
                  std::to_string(img.width) + "x" + std::to_string(img.height));
    cell_w = std::max(cell_w, img.width);
    cell_h = std::max(cell_h, img.height);
  }
  if (columns <= 0) columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)) - 1e-9));
  columns = std::min(columns, n);
  const int rows = (n + columns - 1) / columns;
  const int64_t width = int64_t{columns} * (cell_w + padding) + padding;
  const int64_t height = int64_t{rows} * (cell_h + padding) + padding;
  if (width * height > (int64_t{1} << 28)) throw Error("make_grid: the grid would exceed 268 megapixels");

  Image grid = make_image(static_cast<int>(width), static_cast<int>(height), background);
  for (int i = 0; i < n; ++i) {
    const Image& img = images[static_cast<std::size_t>(i)];
    const int x0 = padding + (i % columns) * (cell_w + padding) + (cell_w - img.width) / 2;
    const int y0 = padding + (i / columns) * (cell_h + padding) + (cell_h - img.height) / 2;
    for (int y = 0; y < img.height; ++y) std::memcpy(grid.pixel(x0, y0 + y), img.pixel(0, y), img.stride());
  }
  return grid;
}

}  // namespace mrti
