#include "training/local_workers.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "runtime/error.h"

extern char** environ;

namespace mrti {

namespace {

// A port the kernel has just handed out on the loopback interface, free for the store.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("cannot open a socket for the local process group: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw Error(std::string("cannot find a free port for the local process group: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

std::string LocalWorkers::this_program() { return "/proc/self/exe"; }

std::vector<std::string> LocalWorkers::this_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!args.empty()) args.erase(args.begin());  // the program itself
  return args;
}

std::unique_ptr<LocalWorkers> LocalWorkers::start(int nproc, const std::string& program,
                                                  const std::vector<std::string>& args, DistributedEnvironment* rank0) {
  if (nproc < 2 || nproc > 1024) throw Error("the number of processes must be between 2 and 1024");
  // /proc/self/exe names the parent in the children too: resolve it here.
  std::string exe = program;
  if (program == this_program()) {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw Error("cannot find this program's path to start worker processes");
    exe.assign(buf, std::size_t(n));
  }
  DistributedEnvironment env;
  env.world_size = nproc;
  env.master_addr = "127.0.0.1";
  env.master_port = free_port();
  std::unique_ptr<LocalWorkers> w(new LocalWorkers);
  std::vector<std::string> base;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (key != "RANK" && key != "WORLD_SIZE" && key != "LOCAL_RANK" && key != "MASTER_ADDR" && key != "MASTER_PORT" &&
        key != "LOCAL_WORLD_SIZE")
      base.push_back(kv);
  }
  for (int rank = 1; rank < nproc; ++rank) {
    std::vector<std::string> vars = base;
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"RANK", std::to_string(rank)},
             {"LOCAL_RANK", std::to_string(rank)},
             {"WORLD_SIZE", std::to_string(nproc)},
             {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
             {"MASTER_ADDR", env.master_addr},
             {"MASTER_PORT", std::to_string(env.master_port)}})
      vars.push_back(k + "=" + v);
    std::vector<char*> envp, argv;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_copy = args;
    argv.push_back(exe.data());
    for (auto& a : arg_copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data());
    if (rc != 0) {
      w.reset();  // stops the workers started so far
      throw Error("cannot start the worker process of rank " + std::to_string(rank) + " (" + exe +
                  "): " + std::strerror(rc));
    }
    w->workers_.push_back({rank, pid, 0, false});
  }
  *rank0 = env;
  return w;
}

void LocalWorkers::reap(bool block) {
  for (auto& w : workers_) {
    if (w.ended) continue;
    int status = 0;
    const pid_t r = ::waitpid(w.pid, &status, block ? 0 : WNOHANG);
    if (r == w.pid) {
      w.ended = true;
      w.status = status;
    }
  }
}

std::string LocalWorkers::failures() {
  reap(false);
  std::string out;
  for (const auto& w : workers_)
    if (w.ended && w.status != 0)
      out += (out.empty() ? "" : "; ") + std::string("rank ") + std::to_string(w.rank) + " (pid " +
             std::to_string(w.pid) + ") " + status_text(w.status);
  return out;
}

std::string LocalWorkers::explain(const std::string& what) {
  const std::string failed = failures();
  return failed.empty() ? what : what + " [worker processes: " + failed + "]";
}

void LocalWorkers::finish(std::chrono::milliseconds timeout) {
  const std::string failed = wait(timeout);
  if (!failed.empty()) throw Error("worker processes failed: " + failed);
}

std::string LocalWorkers::wait(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    reap(false);
    bool all = true;
    for (const auto& w : workers_) all = all && w.ended;
    if (all || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string out = failures();
  for (auto& w : workers_) {
    if (w.ended) continue;
    ::kill(w.pid, SIGTERM);
    out += (out.empty() ? "" : "; ") + std::string("rank ") + std::to_string(w.rank) + " (pid " +
           std::to_string(w.pid) + ") did not finish and was stopped";
  }
  reap(true);
  return out;
}

LocalWorkers::~LocalWorkers() {
  if (!workers_.empty()) wait(std::chrono::seconds(5));
}

}  // namespace mrti
