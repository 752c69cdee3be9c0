#include "form_scroll_area.h"

#include <QEvent>
#include <QScrollBar>

namespace mrti::ui {

FormScrollArea::FormScrollArea(QWidget* form, QWidget* parent) : QScrollArea(parent) {
  setWidget(form);
  setWidgetResizable(true);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  // A form that grows (an expanded group, a longer translation) asks for more width again.
  form->installEventFilter(this);
}

int FormScrollArea::chromeWidth() const {
  // The vertical bar is counted even while hidden: showing it must not cut the form.
  const int bar = verticalScrollBar()->sizeHint().width();
  return 2 * frameWidth() + bar;
}

QSize FormScrollArea::minimumSizeHint() const {
  const QSize base = QScrollArea::minimumSizeHint();
  if (!widget()) return base;
  return {widget()->minimumSizeHint().width() + chromeWidth(), base.height()};
}

// As narrow as the form allows: the panes beside it get the rest of the width.
QSize FormScrollArea::sizeHint() const { return {minimumSizeHint().width(), QScrollArea::sizeHint().height()}; }

bool FormScrollArea::eventFilter(QObject* watched, QEvent* event) {
  if (watched == widget() && event->type() == QEvent::LayoutRequest) updateGeometry();
  return QScrollArea::eventFilter(watched, event);
}

}  // namespace mrti::ui
