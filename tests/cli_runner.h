#pragma once
// Runs the `mrti` binary the way a user does (MRTI_CLI_PATH is set by tests/CMakeLists.txt).
#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

#include "test_support.h"

namespace mrti_test {

struct CliRun {
  int code = -1;  // -1: crashed or timed out
  QString out, err;
};

// `env`: variables to set on top of this process's environment; `workdir`: the
// working folder it runs in (default: this process's).
inline CliRun mrti_cli(const QStringList& args, int timeout_ms = 600000, const QStringList& env = {},
                       const QString& workdir = {}) {
  QProcess p;
  if (!workdir.isEmpty()) p.setWorkingDirectory(workdir);
  if (!env.isEmpty()) {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const auto& kv : env) e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(e);
  }
  p.start(MRTI_CLI_PATH, args);
  CliRun r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    r.err = "timed out";
    return r;
  }
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

inline QString fx(const char* rel) { return QString::fromStdString(fixture(rel)); }

// The bytes of `path` ("" when it cannot be read): what a refused command must leave alone.
inline QByteArray file_bytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline void write_bytes(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (f.open(QIODevice::WriteOnly)) f.write(bytes);
}

}  // namespace mrti_test
