#pragma once
// The application's icons, from the SVGs in resources/ when Qt can read SVG, otherwise
// painted in code in the same colours (Qt's SVG plugin is an optional package).
#include <QIcon>
#include <QString>

namespace mrti::ui {

QIcon appIcon();
// "generate", "cancel", "open", "import", "concept".
QIcon studioIcon(const QString& name);

}  // namespace mrti::ui
