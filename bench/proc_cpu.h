// CPU time of a process's threads, by thread name, from /proc/PID/task: two
// readings around a run say which thread of posd was busy and how much of a
// core it used. Threads of one name (a pool) add up.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

namespace posd::bench {

// One /proc stat file's name and CPU seconds (user + system); for a process's
// own stat the CPU includes its threads that have ended.
inline std::pair<std::string, double> stat_cpu(const std::filesystem::path& stat_path) {
  std::ifstream in(stat_path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return {"", 0.0};  // it ended meanwhile
  // After the name: state (field 3) … utime (14), stime (15).
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int f = 3; f <= 15 && rest >> field; ++f) {
    if (f == 14 || f == 15) ticks += std::stod(field);
  }
  return {stat.substr(open + 1, close - open - 1), ticks / static_cast<double>(sysconf(_SC_CLK_TCK))};
}

// Name → seconds of CPU used so far by the live threads of that name.
inline std::map<std::string, double> thread_cpu(pid_t pid) {
  std::map<std::string, double> by_name;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    auto [name, cpu] = stat_cpu(task.path() / "stat");
    if (!name.empty()) by_name[name] += cpu;
  }
  return by_name;
}

// The whole process, threads that have ended included, under its own name.
inline std::map<std::string, double> process_cpu(pid_t pid) {
  auto [name, cpu] = stat_cpu("/proc/" + std::to_string(pid) + "/stat");
  return {{name, cpu}};
}

// CPU-seconds `name` used between two readings (0 for a name not in `after`;
// a thread that started between them counts from 0).
inline double used_between(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
                           const std::string& name) {
  auto a = after.find(name);
  if (a == after.end()) return 0.0;
  auto b = before.find(name);
  return a->second - (b == before.end() ? 0.0 : b->second);
}

// "name 0.93, name 0.41" — cores each thread name used between two readings.
inline std::string cores_between(const std::map<std::string, double>& before,
                                 const std::map<std::string, double>& after, double seconds) {
  std::string out;
  for (const auto& [name, cpu] : after) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %.2f", out.empty() ? "" : ", ", name.c_str(),
                  used_between(before, after, name) / seconds);
    out += buf;
  }
  return out;
}

}  // namespace posd::bench
