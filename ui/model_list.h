#pragma once
// The models a person has: the shipped one, the folders and files opened lately and the
// models DreamBooth runs wrote, each with what it is (kind, parameters, precision, size on
// disk, where it is). Double-click or Open switches to one without restarting; while one
// loads its row shows the progress and Cancel stops the load (the previous model stays).
// Descriptions are read from the files' headers on a worker thread.
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <QWidget>

#include <atomic>

#include "studio/studio_engine.h"

class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace mrti::ui {

class ModelList : public QWidget {
  Q_OBJECT
 public:
  explicit ModelList(QWidget* parent = nullptr);
  ~ModelList() override;

  // The rows, in this order (repeats dropped); each is described in the background.
  void setModels(const QStringList& paths);
  QStringList models() const;
  // The model in use, shown in bold ("" = none).
  void setLoaded(const QString& path);
  QString loaded() const { return loaded_; }
  // A load in progress at `fraction` (0..1); "" = none.
  void setLoading(const QString& path, double fraction);
  // What a row says of its model once described ("" before), for tests.
  QString description(const QString& path) const;
  QTreeWidget* view() const { return tree_; }
  QPushButton* openButton() const { return open_; }
  QPushButton* cancelButton() const { return cancel_; }
  QPushButton* removeButton() const { return remove_; }

 Q_SIGNALS:
  void openRequested(const QString& path);
  void cancelRequested();
  void removeRequested(const QString& path);
  void described(const QString& path);

 private:
  QTreeWidgetItem* itemFor(const QString& path) const;
  QString selectedPath() const;
  void apply(const QString& path, const studio::ModelSummary& m);
  void updateRows();

  QTreeWidget* tree_;
  QPushButton* open_;
  QPushButton* cancel_;
  QPushButton* remove_;
  QProgressBar* progress_;
  QString loaded_, loading_;
  std::atomic<int> generation_{0};  // a new list drops the descriptions of the old one
  QThreadPool pool_;                // last: destroyed (and waited for) first
};

}  // namespace mrti::ui
