// mrti-studio: the desktop application. `--version` and `--help` are answered before
// QApplication exists, so they work without a display.
#include <cstdio>
#include <cstring>

#include <QApplication>
#include <QIcon>

#include "icons.h"
#include "main_window.h"
#include "translations.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("mrti-studio %s\n", MRTI_VERSION);
      return 0;
    }
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("Usage: mrti-studio [--version] [MODEL]\n"
                  "  MODEL  a diffusers model folder or a .safetensors checkpoint to load at start\n"
                  "         (default: the one chosen in Settings, else the model that ships with the app)\n");
      return 0;
    }
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("mrti"));
  QApplication::setApplicationName(QStringLiteral("mrti-studio"));
  QApplication::setApplicationVersion(QStringLiteral(MRTI_VERSION));
  // Matches the installed desktop entry, so Wayland and docks group windows under its icon.
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.mrti.Studio"));
  QApplication::setWindowIcon(mrti::ui::appIcon());
  // Before any window exists: widgets take their texts when they are built.
  mrti::ui::installTranslations();
  mrti::ui::MainWindow window;
  window.show();
  window.seedShippedConcepts();
  const QStringList args = QApplication::arguments();
  if (args.size() > 1 && !args.last().startsWith(QLatin1Char('-'))) window.loadModel(args.last());
  else window.loadDefaultModel();
  return app.exec();
}
