// The window fits a laptop: at 1024×700 it really is that size, and every label and button
// of the Train form and the Generate tab shows its whole text, inside the window and inside
// the scroll area that holds it (scrolling down is fine, cut off sideways is not). The
// screenshots at 1024×700 and 1920×1080 are written next to the test executable.
#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QCheckBox>
#include <QDockWidget>
#include <QDir>
#include <QGroupBox>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QtTest/QtTest>

#include "image_viewer.h"
#include "main_window.h"
#include "training_workspace.h"

using namespace mrti::ui;

namespace {

QString plain(QString text) { return text.remove(QLatin1Char('&')); }

// The width `w` needs to show its text whole.
int neededWidth(QWidget* w) {
  const QFontMetrics fm(w->font());
  if (auto* b = qobject_cast<QAbstractButton*>(w)) {
    int need = fm.horizontalAdvance(plain(b->text()));
    if (!b->icon().isNull()) need += b->iconSize().width() + 4;
    if (qobject_cast<QCheckBox*>(w)) need += 20;  // the box itself
    return need;
  }
  auto* l = qobject_cast<QLabel*>(w);
  if (!l->pixmap().isNull() || l->wordWrap() || l->textFormat() == Qt::RichText) return 0;
  int need = 0;
  for (const auto& line : plain(l->text()).split(QLatin1Char('\n'))) need = std::max(need, fm.horizontalAdvance(line));
  return need;
}

// Every visible label and button under `root` whose text does not fit it, or that sticks
// out of the window or, sideways, out of the scroll area it sits in.
QStringList cutShort(QWidget* root) {
  QStringList out;
  QWidget* window = root->window();
  QList<QWidget*> widgets;
  for (auto* l : root->findChildren<QLabel*>()) widgets.push_back(l);
  for (auto* b : root->findChildren<QAbstractButton*>()) widgets.push_back(b);
  for (QWidget* w : widgets) {
    if (!w->isVisibleTo(window) || !w->isVisible()) continue;
    const QString text = qobject_cast<QLabel*>(w) ? qobject_cast<QLabel*>(w)->text()
                                                  : qobject_cast<QAbstractButton*>(w)->text();
    if (plain(text).trimmed().isEmpty()) continue;
    const int need = neededWidth(w);
    const QRect inWindow(w->mapTo(window, QPoint(0, 0)), w->size());
    QString problem;
    if (need > w->contentsRect().width())
      problem = QStringLiteral("needs %1 px, has %2").arg(need).arg(w->contentsRect().width());
    else if (inWindow.left() < 0 || inWindow.right() > window->width())
      problem = QStringLiteral("outside the window (x %1..%2 of %3)")
                    .arg(inWindow.left())
                    .arg(inWindow.right())
                    .arg(window->width());
    for (QWidget* p = w->parentWidget(); problem.isEmpty() && p && p != window; p = p->parentWidget()) {
      auto* area = qobject_cast<QScrollArea*>(p);
      if (!area) continue;
      const QRect view(area->viewport()->mapTo(window, QPoint(0, 0)), area->viewport()->size());
      if (inWindow.left() < view.left() || inWindow.right() > view.right())
        problem = QStringLiteral("cut sideways by its scroll area (x %1..%2, visible %3..%4)")
                      .arg(inWindow.left())
                      .arg(inWindow.right())
                      .arg(view.left())
                      .arg(view.right());
    }
    if (!problem.isEmpty())
      out.push_back(QStringLiteral("%1 '%2': %3").arg(QString::fromLatin1(w->metaObject()->className()), plain(text), problem));
  }
  return out;
}

void saveShot(QWidget& w, const QString& name) {
  QApplication::processEvents();
  const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  QVERIFY(w.grab().save(dir + QLatin1Char('/') + name));
}

}  // namespace

class TestGuiLayout : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-layout"));
    QSettings().clear();
  }

  void fitsALaptopScreen_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("1024x700") << QSize(1024, 700);
    QTest::newRow("1366x768") << QSize(1366, 768);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
  }

  void fitsALaptopScreen() {
    QFETCH(QSize, size);
    MainWindow w;
    // The workspace as it is once a model is loaded (the first-run page is smaller).
    QStackedWidget* pages = nullptr;
    for (auto* s : w.findChildren<QStackedWidget*>())
      if (s->indexOf(w.tabs()) >= 0) pages = s;
    QVERIFY(pages);
    pages->setCurrentWidget(w.tabs());
    w.resize(size);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QApplication::processEvents();
    QCOMPARE(w.size(), size);
    QVERIFY2(w.minimumSizeHint().width() <= 1024,
             qPrintable(QStringLiteral("the window needs %1 px").arg(w.minimumSizeHint().width())));

    for (int tab : {0, 1}) {
      w.tabs()->setCurrentIndex(tab);
      QApplication::processEvents();
      QCOMPARE(w.size(), size);  // no tab widens the window
      const QStringList problems = cutShort(w.tabs()->currentWidget());
      QVERIFY2(problems.isEmpty(), qPrintable(w.tabs()->tabText(tab) + QStringLiteral(": ") +
                                              problems.join(QStringLiteral("; "))));
      saveShot(w, QStringLiteral("layout-%1-%2x%3.png").arg(tab ? QStringLiteral("train") : QStringLiteral("generate"))
                      .arg(size.width())
                      .arg(size.height()));
    }
    // The training form with its advanced settings open still fits beside the plot.
    QGroupBox* advanced = nullptr;
    for (auto* g : w.tabs()->widget(1)->findChildren<QGroupBox*>())
      if (g->isCheckable()) advanced = g;
    QVERIFY(advanced);
    advanced->setChecked(true);
    QApplication::processEvents();
    QCOMPARE(w.size(), size);
    const QStringList problems = cutShort(w.tabs()->currentWidget());
    QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("Train (advanced): ") + problems.join(QStringLiteral("; "))));
    saveShot(w, QStringLiteral("layout-train-advanced-%1x%2.png").arg(size.width()).arg(size.height()));

    // And with DreamBooth's own settings shown.
    w.trainingWorkspace()->methodBox()->setCurrentIndex(1);
    QApplication::processEvents();
    QCOMPARE(w.size(), size);
    const QStringList dbProblems = cutShort(w.tabs()->currentWidget());
    QVERIFY2(dbProblems.isEmpty(), qPrintable(QStringLiteral("Train (DreamBooth): ") + dbProblems.join(QStringLiteral("; "))));
    saveShot(w, QStringLiteral("layout-train-dreambooth-%1x%2.png").arg(size.width()).arg(size.height()));
  }

  void viewerFitsZoomsAndClosesWithEsc() {
    QImage image(64, 64, QImage::Format_RGB32);
    image.fill(Qt::yellow);
    QPointer<ImageViewer> viewer = new ImageViewer(image, QStringLiteral("a yellow square"), QStringLiteral("seed 1"), nullptr);
    viewer->resize(640, 700);
    viewer->show();
    QVERIFY(QTest::qWaitForWindowExposed(viewer));
    QApplication::processEvents();
    const double fitted = viewer->scale();
    QVERIFY2(fitted > 6.0, qPrintable(QString::number(fitted)));  // a 64-pixel picture fills the window
    QTest::keyClick(viewer, Qt::Key_Plus);
    QVERIFY(viewer->scale() > fitted);
    QTest::keyClick(viewer, Qt::Key_1);
    QCOMPARE(viewer->scale(), 1.0);
    QTest::keyClick(viewer, Qt::Key_F);
    QVERIFY2(viewer->scale() > 6.0, qPrintable(QString::number(viewer->scale())));  // fits again
    QTest::keyClick(viewer, Qt::Key_Escape);
    QTRY_VERIFY(viewer.isNull());  // closed and deleted
  }

  void viewMenuBringsBackClosedDocks() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QMenu* view = w.menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"));
    QVERIFY(view);
    QStringList docks;
    for (QAction* a : view->actions()) {
      QVERIFY(a->isCheckable());
      QVERIFY(a->isChecked());
      docks.push_back(plain(a->text()));
    }
    QVERIFY2(docks.contains(QStringLiteral("Concepts")) && docks.contains(QStringLiteral("History")),
             qPrintable(docks.join(QStringLiteral(", "))));
    QDockWidget* concepts = w.findChild<QDockWidget*>(QStringLiteral("conceptDock"));
    QVERIFY(concepts);
    concepts->close();
    QVERIFY(!concepts->isVisible());
    for (QAction* a : view->actions())
      if (plain(a->text()) == QStringLiteral("Concepts")) a->trigger();
    QVERIFY(concepts->isVisible());
  }
};

QTEST_MAIN(TestGuiLayout)
#include "test_gui_layout.moc"
