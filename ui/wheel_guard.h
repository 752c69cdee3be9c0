#pragma once
// Spin boxes and combo boxes in a scrolling form take the mouse wheel only once clicked
// into: a wheel turned to scroll the form scrolls it instead of changing the value under
// the pointer.
class QWidget;

namespace mrti::ui {

// Guards every spin box and combo box under `root` (created so far).
void guardWheel(QWidget* root);

}  // namespace mrti::ui
