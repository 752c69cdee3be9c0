#pragma once
// A run's preview images as a matrix: one column per previewed scale, one row per
// preview step, newest on top, so a person sees which scales have settled.
#include <QImage>
#include <QMap>
#include <QTableWidget>

namespace mrti::ui {

class PreviewMatrix : public QTableWidget {
  Q_OBJECT
 public:
  explicit PreviewMatrix(QWidget* parent = nullptr);

  void reset(int numScales);
  void addPreview(qint64 step, int scale, const QImage& image);
  int previewCount() const { return count_; }
  QList<qint64> steps() const { return rows_.keys(); }
  QImage previewAt(qint64 step, int scale) const;

 Q_SIGNALS:
  void previewActivated(qint64 step, int scale, const QImage& image);

 private:
  int columnFor(int scale);
  int rowFor(qint64 step);

  int numScales_ = 0;
  int count_ = 0;
  QMap<qint64, int> rows_;  // step -> row
  QMap<int, int> columns_;  // scale -> column
};

}  // namespace mrti::ui
