#pragma once
// The training images: a drop zone for a folder (or image files) from the file manager,
// then one thumbnail per file, marked used or skipped with the reason.
#include <QListWidget>
#include <QStringList>
#include <QVector>

namespace mrti::ui {

struct DatasetEntry;

class DatasetView : public QListWidget {
  Q_OBJECT
 public:
  explicit DatasetView(QWidget* parent = nullptr);

  void setEntries(const QVector<DatasetEntry>& entries);
  void setScanning(const QString& folder);
  int usedCount() const { return used_; }
  int skippedCount() const { return count() - used_; }
  // For a file name: whether it is used, and why not.
  bool isUsed(const QString& name) const;
  QString reasonOf(const QString& name) const;

 Q_SIGNALS:
  void pathsDropped(const QStringList& paths);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

 private:
  QListWidgetItem* find(const QString& name) const;
  int used_ = 0;
  QString placeholder_;
};

}  // namespace mrti::ui
