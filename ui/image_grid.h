#pragma once
// Generated images: live previews while sampling, replaced by the final images; click to
// view large; a context menu to save, copy, reuse the parameters or sweep a concept.
#include <QListWidget>

namespace mrti::ui {

class ImageGrid : public QListWidget {
  Q_OBJECT
 public:
  enum Roles { ParametersRole = Qt::UserRole + 1, SeedRole, ImageRole, FinalRole, PreviewRole };
  explicit ImageGrid(QWidget* parent = nullptr);
  // Placeholders for a job of `count` images (they receive the previews).
  void beginJob(int count);
  void showPreviews(const QVector<QImage>& previews);
  // `saved`: each image's file ("" when it was not written).
  // A tile's caption is its label (a sweep's detail level) or else its seed.
  void finishJob(const QVector<QImage>& images, const QStringList& parameters, const QVector<qint64>& seeds,
                 const QStringList& saved = QStringList(), const QStringList& labels = QStringList());
  // The job will not finish: tiles that show a preview keep it under `caption` (a failed
  // job passes none, and all its tiles go).
  void abandonJob(const QString& caption = QString());
  int finalCount() const;
  qint64 selectedSeed() const;  // -1 when none
  QString selectedParameters() const;
  QImage selectedImage() const;

 Q_SIGNALS:
  void sendParameters(const QString& parameters);
  void sweepRequested(const QString& parameters);
  void message(const QString& text, bool error);

 protected:
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void showLarge(QListWidgetItem* item);
  void setImage(QListWidgetItem* item, const QImage& image);
  QList<QListWidgetItem*> live_;
};

}  // namespace mrti::ui
