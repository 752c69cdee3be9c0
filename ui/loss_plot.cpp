#include "loss_plot.h"

#include <QFontMetrics>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

#include "engine_controller.h"
#include "scale_colors.h"

namespace mrti::ui {

namespace {

// Weights of the smoothed curve and of the per-scale running means (the trainer's).
constexpr double kSmoothing = 0.05;
constexpr double kScaleMeanWeight = 0.05;

}  // namespace

LossPlot::LossPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumHeight(220);
  plot_->setMinimumSize(200, 150);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectLegend);
  plot_->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
  plot_->xAxis->setLabel(tr("step"));
  plot_->yAxis->setLabel(tr("loss"));
  plot_->yAxis2->setVisible(true);
  plot_->yAxis2->setLabel(tr("learning rate"));
  plot_->yAxis2->setNumberFormat(QStringLiteral("eb"));
  plot_->yAxis2->setNumberPrecision(1);
  plot_->legend->setVisible(true);
  QFont legendFont = font();
  legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
  plot_->legend->setFont(legendFont);
  plot_->legend->setSelectableParts(QCPLegend::spItems);
  // Below the axes, in rows: with ten scales an inset legend would hide the curves.
  auto* legendRow = new QCPLayoutGrid;
  plot_->plotLayout()->addElement(1, 0, legendRow);
  plot_->plotLayout()->setRowStretchFactor(1, 0.001);
  legendRow->setMargins(QMargins(5, 0, 5, 5));
  legendRow->addElement(0, 0, plot_->legend);
  plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot_->legend->setBorderPen(Qt::NoPen);

  // Clicking a legend entry shows or hides its curve.
  connect(plot_, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* pli = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!pli) return;
    QCPAbstractPlottable* p = pli->plottable();
    p->setVisible(!p->visible());
    pli->setTextColor(p->visible() ? Qt::black : Qt::gray);
    item->setSelected(false);
    plot_->replot();
  });
  // Once the user zooms or pans, new points no longer move the view; double-click fits.
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { followRange_ = false; });
  connect(plot_, &QCustomPlot::mousePress, this, [this] { followRange_ = false; });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
    followRange_ = true;
    fitAll();
  });
  reset(0);
}

void LossPlot::reset(int numScales) {
  plot_->clearGraphs();
  scales_.clear();
  scaleMeans_ = QVector<double>(numScales, std::nan(""));
  haveEma_ = false;
  lastStep_ = 0;
  followRange_ = true;

  raw_ = plot_->addGraph();
  raw_->setName(tr("loss"));
  raw_->setLineStyle(QCPGraph::lsNone);
  raw_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(120, 120, 120, 110), 3));
  smooth_ = plot_->addGraph();
  smooth_->setName(tr("smoothed"));
  smooth_->setPen(QPen(QColor(20, 20, 20), 2));
  for (int k = 0; k < numScales; ++k) {
    QCPGraph* g = plot_->addGraph();
    g->setName(tr("scale %1").arg(k));
    g->setPen(QPen(scaleColor(k, numScales), 1.4));
    scales_.push_back(g);
  }
  lr_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
  lr_->setName(tr("learning rate"));
  lr_->setPen(QPen(QColor(160, 90, 0), 1.2, Qt::DashLine));
  plot_->xAxis->setRange(0, 10);
  plot_->yAxis->setRange(0, 1);
  plot_->yAxis2->setRange(0, 1e-2);
  arrangeLegend();
  plot_->replot();
}

void LossPlot::arrangeLegend() {
  const QFontMetrics fm(plot_->legend->font());
  int text = 0;
  for (int i = 0; i < plot_->graphCount(); ++i) text = std::max(text, fm.horizontalAdvance(plot_->graph(i)->name()));
  const QSize icon = plot_->legend->iconSize();
  const int entry = icon.width() + plot_->legend->iconTextPadding() + text + 16;
  const int wrap = std::max(1, (width() - 20) / std::max(1, entry));
  if (wrap == plot_->legend->wrap()) return;
  plot_->legend->setWrap(wrap);
  plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);  // re-flows the entries
}

void LossPlot::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  arrangeLegend();
  plot_->replot();
}

void LossPlot::addPoint(qint64 step, double loss, double lr) {
  const double x = static_cast<double>(step);
  raw_->addData(x, loss);
  ema_ = haveEma_ ? (1 - kSmoothing) * ema_ + kSmoothing * loss : loss;
  haveEma_ = true;
  smooth_->addData(x, ema_);
  lr_->addData(x, lr);
  lastStep_ = x;
}

void LossPlot::addStep(const TrainingStepInfo& info) {
  addPoint(info.step, info.loss, info.lr);
  for (int k : info.scaleIndices) {
    if (k < 0 || k >= scales_.size() || k >= info.scaleMeans.size()) continue;
    const double m = info.scaleMeans[k];
    if (!std::isnan(m)) scales_[k]->addData(static_cast<double>(info.step), m);
    scaleMeans_[k] = m;
  }
  replotSoon();
}

void LossPlot::addLogged(qint64 step, int scale, double loss, double lr) {
  // A step with several samples logs one row each; the step's loss is logged once.
  if (static_cast<double>(step) != lastStep_ || raw_->dataCount() == 0) addPoint(step, loss, lr);
  if (scale >= 0 && scale < scales_.size()) {
    double& m = scaleMeans_[scale];
    m = std::isnan(m) ? loss : (1 - kScaleMeanWeight) * m + kScaleMeanWeight * loss;
    scales_[scale]->addData(static_cast<double>(step), m);
  }
  replotSoon();
}

void LossPlot::fitAll() {
  if (raw_->dataCount() == 0) return;
  bool found = false;
  QCPRange y = raw_->getValueRange(found);
  if (found) {
    // Loss of diffusion training moves little: frame the points, not zero.
    const double pad = std::max(1e-4, (y.upper - y.lower) * 0.08);
    plot_->yAxis->setRange(std::max(0.0, y.lower - pad), y.upper + pad);
  }
  plot_->xAxis->setRange(0, std::max(10.0, lastStep_ * 1.02));
  QCPRange l = lr_->getValueRange(found);
  if (found) plot_->yAxis2->setRange(0, l.upper * 1.15 + 1e-12);
  plot_->replot();
}

void LossPlot::replotSoon() {
  // Steps can arrive faster than repaints help; coalesce them into one replot per frame.
  if (replotQueued_) return;
  replotQueued_ = true;
  QTimer::singleShot(30, this, [this] {
    replotQueued_ = false;
    if (followRange_) fitAll();
    else plot_->replot();
  });
}

bool LossPlot::exportPng(const QString& path, int width, int height) {
  plot_->replot();
  return plot_->savePng(path, width, height);
}

int LossPlot::rawPointCount() const { return raw_->dataCount(); }
int LossPlot::smoothedPointCount() const { return smooth_->dataCount(); }
int LossPlot::learningRatePointCount() const { return lr_->dataCount(); }
int LossPlot::scalePointCount(int scale) const {
  return scale >= 0 && scale < scales_.size() ? scales_[scale]->dataCount() : 0;
}
bool LossPlot::scaleCurveVisible(int scale) const {
  return scale >= 0 && scale < scales_.size() && scales_[scale]->visible();
}
void LossPlot::setScaleCurveVisible(int scale, bool visible) {
  if (scale < 0 || scale >= scales_.size()) return;
  scales_[scale]->setVisible(visible);
  plot_->replot();
}

}  // namespace mrti::ui
