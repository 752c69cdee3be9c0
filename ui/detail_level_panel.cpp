#include "detail_level_panel.h"

#include "scale_colors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QVBoxLayout>
#include <cmath>

#include "prompt_editor.h"
#include "qt_convert.h"

namespace mrti::ui {

using mrti::studio::Form;

// Slider units per scale when interpolating (decimal resolutions).
constexpr int kFine = 100;

ActiveIntervalTimeline::ActiveIntervalTimeline(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(40);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ActiveIntervalTimeline::setTimeline(const studio::Timeline& timeline) {
  timeline_ = timeline;
  QString tip;
  for (const auto& r : timeline_.rows) tip += qs(r.token) + QStringLiteral(": ") + qs(r.summary) + QLatin1Char('\n');
  setToolTip(tip.trimmed());
  update();
}

void ActiveIntervalTimeline::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  p.setPen(palette().mid().color());
  p.drawRect(rect().adjusted(0, 0, -1, -1));
  if (timeline_.rows.empty()) {
    p.setPen(palette().placeholderText().color());
    p.drawText(rect(), Qt::AlignCenter, tr("Place the cursor on a concept to see its schedule"));
    return;
  }
  const auto& row = timeline_.rows.front();
  const int steps = static_cast<int>(row.level.size());
  if (steps == 0) return;
  const QRectF area = QRectF(rect()).adjusted(4, 4, -4, -14);
  const double w = area.width() / steps;
  const double top = std::max<int64_t>(1, row.num_scales - 1);
  for (int i = 0; i < steps; ++i) {
    const double level = row.level[i];
    QRectF bar;
    QColor c;
    if (level < 0) {
      bar = QRectF(area.left() + i * w, area.bottom() - 3, w - 1, 3);
      c = QColor(0xa0, 0xa0, 0xa0);
    } else {
      const double h = area.height() * (0.15 + 0.85 * level / top);
      bar = QRectF(area.left() + i * w, area.bottom() - h, w - 1, h);
      c = scaleColor(level, static_cast<int>(row.num_scales));
    }
    p.fillRect(bar, c);
  }
  p.setPen(palette().text().color());
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.8);
  p.setFont(f);
  p.drawText(QRectF(area.left(), area.bottom() + 1, area.width(), 12), Qt::AlignLeft,
             tr("step 1"));
  p.drawText(QRectF(area.left(), area.bottom() + 1, area.width(), 12), Qt::AlignRight,
             tr("step %1 (%2)").arg(steps).arg(qs(timeline_.sampler)));
}

DetailLevelPanel::DetailLevelPanel(PromptEditor* editor, QWidget* parent) : QWidget(parent), editor_(editor) {
  title_ = new QLabel(tr("Detail level"));
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  slider_ = new QSlider(Qt::Horizontal);
  slider_->setMinimumWidth(160);
  slider_->setTickPosition(QSlider::TicksBelow);
  slider_->setTickInterval(1);
  slider_->setToolTip(tr("0 = finest details, highest = coarse layout and colour"));
  value_ = new QLabel;
  value_->setMinimumWidth(60);
  form_ = new QComboBox;
  form_->addItem(tr("Fixed |k|"), int(Form::fixed));
  form_->addItem(tr("Fully [k]"), int(Form::fully));
  form_->addItem(tr("Semi (k)"), int(Form::semi));
  form_->setToolTip(tr("Fixed: this level at every step. Fully: this level early, finer ones later. "
                       "Semi: nothing early, the step's own level later."));
  regenerate_ = new QCheckBox(tr("Regenerate on release"));
  regenerate_->setToolTip(tr("Generate again with the same seed when the slider is released"));
  timeline_ = new ActiveIntervalTimeline;

  auto* head = new QHBoxLayout;
  head->addWidget(title_, 1);
  head->addWidget(form_);
  head->addWidget(regenerate_);
  auto* row = new QHBoxLayout;
  row->addWidget(slider_, 1);
  row->addWidget(value_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addLayout(head);
  layout->addLayout(row);
  layout->addWidget(timeline_);

  connect(slider_, &QSlider::valueChanged, this, [this] {
    if (!updating_) rewrite();
  });
  connect(form_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    if (!updating_) rewrite();
  });
  connect(slider_, &QSlider::sliderReleased, this, [this] {
    if (regenerate_->isChecked() && token_) Q_EMIT regenerateRequested();
  });
  connect(editor_, &PromptEditor::cursorTokenChanged, this, &DetailLevelPanel::refresh);
  refresh();
}

void DetailLevelPanel::setInterpolate(bool on) {
  interpolate_ = on;
  refresh();
}

void DetailLevelPanel::setSchedule(const QString& schedulerConfig, const QString& sampler, int steps) {
  schedulerConfig_ = schedulerConfig;
  sampler_ = sampler;
  steps_ = steps;
  updateTimeline();
}

void DetailLevelPanel::refresh() {
  if (updating_) return;
  token_ = editor_->tokenAtCursor();
  updating_ = true;
  const bool usable = token_ && token_->ref.num_scales > 0;
  slider_->setEnabled(usable);
  form_->setEnabled(usable);
  if (usable) {
    const int n = static_cast<int>(token_->ref.num_scales);
    const int unit = interpolate_ ? kFine : 1;
    slider_->setRange(0, (n - 1) * unit);
    slider_->setPageStep(unit);
    slider_->setTickInterval(unit);
    const auto& rho = token_->ref.rho;
    double pos = static_cast<double>(token_->ref.index);
    if (rho && interpolate_) pos = studio::position_of_rho(*rho, n);
    slider_->setValue(static_cast<int>(std::lround(pos * unit)));
    form_->setCurrentIndex(static_cast<int>(token_->ref.form));
    value_->setText(rho ? QString::number(*rho) : QStringLiteral("%1 / %2").arg(token_->ref.index).arg(n - 1));
    title_->setText(tr("Detail level: %1").arg(qs(token_->ref.name)));
  } else {
    slider_->setRange(0, 0);
    value_->clear();
    title_->setText(tr("Detail level"));
  }
  updating_ = false;
  updateTimeline();
}

void DetailLevelPanel::rewrite() {
  if (!token_ || token_->ref.num_scales <= 0) return;
  const int n = static_cast<int>(token_->ref.num_scales);
  const Form form = static_cast<Form>(form_->currentData().toInt());
  std::string text;
  if (interpolate_) {
    // Decimal resolutions: the slider's position in scales, written as the rho that the
    // sampler reads back as the same position.
    const double rho = studio::rho_of_position(double(slider_->value()) / kFine, n);
    text = studio::format_reference(token_->ref.name, form, 0, rho);
  } else {
    text = studio::format_reference(token_->ref.name, form, slider_->value());
  }
  updating_ = true;
  editor_->replaceToken(*token_, qs(text));
  updating_ = false;
  refresh();
}

void DetailLevelPanel::updateTimeline() {
  if (!token_ || token_->ref.num_scales <= 0) {
    timeline_->setTimeline({});
    return;
  }
  try {
    const QString text = editor_->toPlainText().mid(int(token_->begin), int(token_->end - token_->begin));
    timeline_->setTimeline(studio::active_intervals(ss(schedulerConfig_), ss(sampler_), steps_, ss(text), "",
                                                    editor_->highlighter()->concepts(), interpolate_));
  } catch (const std::exception& e) {
    timeline_->setTimeline({});
    timeline_->setToolTip(errorText(e));
  }
}

}  // namespace mrti::ui
