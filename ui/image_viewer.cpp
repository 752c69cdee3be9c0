#include "image_viewer.h"

#include <algorithm>
#include <cmath>

#include <QKeyEvent>
#include <QLabel>
#include <QPixmap>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace mrti::ui {

ImageViewer::ImageViewer(const QImage& image, const QString& title, const QString& details, QWidget* parent)
    : QDialog(parent), image_(image) {
  setAttribute(Qt::WA_DeleteOnClose);
  setWindowTitle(title);
  picture_ = new QLabel;
  picture_->setAlignment(Qt::AlignCenter);
  scroll_ = new QScrollArea;
  scroll_->setWidget(picture_);
  scroll_->setAlignment(Qt::AlignCenter);
  scroll_->setWidgetResizable(false);
  scroll_->viewport()->installEventFilter(this);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(scroll_, 1);
  if (!details.isEmpty()) {
    auto* text = new QLabel(details);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(text);
  }
  auto* hint = new QLabel(tr("Wheel or +/− zooms · F fits · 1 shows actual pixels · Esc closes"));
  hint->setEnabled(false);
  layout->addWidget(hint);
  resize(640, 700);
}

void ImageViewer::fit() {
  fitted_ = true;
  const QSize room = scroll_->viewport()->size() - QSize(4, 4);
  if (image_.isNull() || room.isEmpty()) return;
  const double s = std::min(double(room.width()) / image_.width(), double(room.height()) / image_.height());
  setScale(s);
}

void ImageViewer::setScale(double scale) {
  scale_ = std::clamp(scale, 0.05, 64.0);
  if (image_.isNull()) return;
  const QSize size(std::max(1, int(std::lround(image_.width() * scale_))),
                   std::max(1, int(std::lround(image_.height() * scale_))));
  // Enlarged small pictures keep crisp pixels; reductions are smoothed.
  const auto mode = scale_ >= 2.0 ? Qt::FastTransformation : Qt::SmoothTransformation;
  picture_->setPixmap(QPixmap::fromImage(image_.scaled(size, Qt::KeepAspectRatio, mode)));
  picture_->resize(size);
}

// A zoom chosen by the user stays when the window is resized.
void ImageViewer::zoomTo(double scale) {
  fitted_ = false;
  setScale(scale);
}

void ImageViewer::resizeEvent(QResizeEvent* event) {
  QDialog::resizeEvent(event);
  if (fitted_) fit();
}

void ImageViewer::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomTo(scale_ * 1.25); return;
    case Qt::Key_Minus: zoomTo(scale_ / 1.25); return;
    case Qt::Key_F:
    case Qt::Key_0: fit(); return;
    case Qt::Key_1: zoomTo(1.0); return;
    default: QDialog::keyPressEvent(event);  // Esc closes
  }
}

bool ImageViewer::eventFilter(QObject* watched, QEvent* event) {
  if (watched == scroll_->viewport() && event->type() == QEvent::Wheel) {
    const int delta = static_cast<QWheelEvent*>(event)->angleDelta().y();
    if (delta != 0) zoomTo(delta > 0 ? scale_ * 1.25 : scale_ / 1.25);
    return true;
  }
  return QDialog::eventFilter(watched, event);
}

}  // namespace mrti::ui
