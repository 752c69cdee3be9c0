#pragma once
// One colour per scale index, shared by the timeline, the loss plot and the preview
// matrix so a scale looks the same everywhere: blue (fine, k = 0) to red (coarse).
#include <QColor>
#include <algorithm>

namespace mrti::ui {

inline QColor scaleColor(double level, int numScales) {
  const double top = std::max(1, numScales - 1);
  return QColor::fromHsvF(0.6 - 0.5 * std::clamp(level / top, 0.0, 1.0), 0.6, 0.85);
}

}  // namespace mrti::ui
