#pragma once
// A picture at full window size: it fits the window (a 64×64 picture is enlarged with
// crisp pixels), the wheel or +/- zooms, F fits again, 1 shows it pixel for pixel, and
// Esc closes. Used for generated pictures and training previews.
#include <QDialog>
#include <QImage>

class QLabel;
class QScrollArea;

namespace mrti::ui {

class ImageViewer : public QDialog {
  Q_OBJECT
 public:
  // `details` (plain text, may be empty) is shown selectable under the picture.
  ImageViewer(const QImage& image, const QString& title, const QString& details, QWidget* parent);
  double scale() const { return scale_; }

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void fit();
  void setScale(double scale);
  void zoomTo(double scale);

  QImage image_;
  QLabel* picture_;
  QScrollArea* scroll_;
  double scale_ = 1.0;
  bool fitted_ = true;  // follows the window's size until the user zooms
};

}  // namespace mrti::ui
