#pragma once
// A scroll area for a tall form beside other panes: it scrolls only vertically and asks
// for the width its form needs (plus the scroll bar), so a narrow window squeezes the
// panes beside it instead of cutting the form's rightmost controls.
#include <QScrollArea>

namespace mrti::ui {

class FormScrollArea : public QScrollArea {
 public:
  explicit FormScrollArea(QWidget* form, QWidget* parent = nullptr);
  QSize minimumSizeHint() const override;
  QSize sizeHint() const override;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  int chromeWidth() const;
};

}  // namespace mrti::ui
