#include "drivers/escpos.h"

#include <map>

namespace posd::escpos {

namespace {

constexpr char ESC = 0x1b, GS = 0x1d, DLE = 0x10, EOT = 0x04;

std::string seq(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// The code points above 0x7F that WPC1252 has, and their bytes.
unsigned char cp1252(char32_t c) {
  if (c >= 0xA0 && c <= 0xFF) return static_cast<unsigned char>(c);
  static const std::map<char32_t, unsigned char> kSpecial = {
      {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85}, {0x2020, 0x86},
      {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A}, {0x2039, 0x8B}, {0x0152, 0x8C},
      {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95},
      {0x2013, 0x96}, {0x2014, 0x97}, {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B},
      {0x0153, 0x9C}, {0x017E, 0x9E}, {0x0178, 0x9F}};
  auto it = kSpecial.find(c);
  return it == kSpecial.end() ? '?' : it->second;
}

}  // namespace

std::string to_cp1252(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + static_cast<size_t>(n) > s.size()) {  // not UTF-8: one unknown character
      out += '?';
      ++i;
      continue;
    }
    if (n == 1) {
      // Control characters other than newline would be printer commands.
      out += (b < 0x20 && b != '\n') ? '?' : static_cast<char>(b);
      ++i;
      continue;
    }
    char32_t c = b & (0xFF >> (n + 1));
    bool ok = true;
    for (int k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cont >> 6) != 0x2) ok = false;
      c = (c << 6) | (cont & 0x3F);
    }
    out += ok ? static_cast<char>(cp1252(c)) : '?';
    i += static_cast<size_t>(n);
  }
  return out;
}

Document::Document() : out_(seq({ESC, '@', ESC, 't', 16})) {}

Document& Document::align(Align a) {
  out_ += seq({ESC, 'a', static_cast<int>(a)});
  return *this;
}

Document& Document::bold(bool on) {
  out_ += seq({ESC, 'E', on ? 1 : 0});
  return *this;
}

Document& Document::double_size(bool on) {
  out_ += seq({GS, '!', on ? 0x11 : 0x00});
  return *this;
}

Document& Document::text(std::string_view utf8) {
  out_ += to_cp1252(utf8);
  return *this;
}

Document& Document::feed(int lines) {
  out_ += seq({ESC, 'd', lines});
  return *this;
}

Document& Document::qr(std::string_view data) {
  const size_t n = data.size() + 3;
  out_ += seq({GS, '(', 'k', 4, 0, '1', 'A', '2', 0});                // model 2
  out_ += seq({GS, '(', 'k', 3, 0, '1', 'C', 6});                     // module size 6
  out_ += seq({GS, '(', 'k', 3, 0, '1', 'E', '1'});                   // error correction M
  out_ += seq({GS, '(', 'k', static_cast<int>(n & 0xFF), static_cast<int>(n >> 8), '1', 'P', '0'});  // store
  out_ += data;
  out_ += seq({GS, '(', 'k', 3, 0, '1', 'Q', '0'});                   // print
  return *this;
}

Document& Document::code128(std::string_view data) {
  out_ += seq({GS, 'H', 2});                                          // text below
  out_ += seq({GS, 'k', 73, static_cast<int>(data.size() + 2), '{', 'B'});
  out_ += data;
  return *this;
}

Document& Document::cut() {
  out_ += seq({GS, 'V', 66, 3});
  return *this;
}

std::string drawer_kick() { return seq({ESC, 'p', 0, 25, 250}); }
std::string status_request() { return seq({DLE, EOT, 1}); }
// Printer status (n = 1): bit 3 set means offline; bits 1 and 4 are always 1, 0 and 7 always 0.
bool printer_ready(unsigned char s) { return (s & 0x93) == 0x12 && (s & 0x08) == 0; }

}  // namespace posd::escpos
