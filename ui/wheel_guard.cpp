#include "wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QObject>
#include <QWidget>

namespace mrti::ui {

namespace {

class WheelGuard : public QObject {
 public:
  using QObject::QObject;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Wheel) {
      auto* w = qobject_cast<QWidget*>(watched);
      if (w && !w->hasFocus()) {
        event->ignore();  // goes on to the parent: the scroll area scrolls
        return true;
      }
    }
    return false;
  }
};

}  // namespace

void guardWheel(QWidget* root) {
  auto* guard = new WheelGuard(root);
  const auto guardOne = [guard](QWidget* w) {
    w->setFocusPolicy(Qt::StrongFocus);  // not focused by the wheel itself
    w->installEventFilter(guard);
  };
  for (auto* w : root->findChildren<QAbstractSpinBox*>()) guardOne(w);
  for (auto* w : root->findChildren<QComboBox*>()) guardOne(w);
}

}  // namespace mrti::ui
