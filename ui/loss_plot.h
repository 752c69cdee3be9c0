#pragma once
// The live loss plot of a training run (QCustomPlot): every step's loss as points, a
// smoothed curve, one running-mean curve per scale index (toggled from the legend) and
// the learning rate on the right axis. Drag to pan, wheel to zoom, double-click to fit.
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QLabel;

namespace mrti::ui {

struct TrainingStepInfo;

class LossPlot : public QWidget {
  Q_OBJECT
 public:
  explicit LossPlot(QWidget* parent = nullptr);

  // Clears the plot for a run with `numScales` scales.
  void reset(int numScales);
  void addStep(const TrainingStepInfo& info);
  // A logged sample of an earlier part of the run (a resumed run's history); the
  // per-scale means are recomputed as the trainer computes them.
  void addLogged(qint64 step, int scale, double loss, double lr);
  void fitAll();
  bool exportPng(const QString& path, int width = 1200, int height = 700);

  int numScales() const { return scales_.size(); }
  int rawPointCount() const;
  int smoothedPointCount() const;
  int learningRatePointCount() const;
  int scalePointCount(int scale) const;
  bool scaleCurveVisible(int scale) const;
  void setScaleCurveVisible(int scale, bool visible);
  double lastStep() const { return lastStep_; }

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  // As many legend entries per row as fit the width.
  void arrangeLegend();
  void addPoint(qint64 step, double loss, double lr);
  void replotSoon();

  QCustomPlot* plot_;
  QCPGraph* raw_ = nullptr;
  QCPGraph* smooth_ = nullptr;
  QCPGraph* lr_ = nullptr;
  QVector<QCPGraph*> scales_;
  QVector<double> scaleMeans_;  // for logged history
  double ema_ = 0;
  bool haveEma_ = false;
  double lastStep_ = 0;
  bool followRange_ = true;  // the axes track new points until the user zooms or pans
  bool replotQueued_ = false;
};

}  // namespace mrti::ui
