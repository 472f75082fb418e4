#include "drivers/scan_decoder.h"

#include <linux/input.h>

#include <cstring>
#include <map>

namespace posd::drivers {

// One pass over what arrived: the bytes held from earlier reads hold no
// terminator, so the search starts at the new ones, and the scans found are
// cut from the front once, not one erase per scan (a read full of short
// lines would otherwise move the rest of the buffer for each of them).
void LineDecoder::feed(std::string_view bytes, const ScanSink& sink) {
  const size_t held = buf_.size();
  buf_.append(bytes);
  size_t start = 0;
  for (size_t end = buf_.find_first_of(terminators_, held); end != std::string::npos;
       end = buf_.find_first_of(terminators_, start)) {
    const size_t size = end - start;
    if (size > 0 && size <= kMaxScan) sink(buf_.substr(start, size));
    start = end + 1;
  }
  buf_.erase(0, start);
  if (buf_.size() > kMaxScan) buf_.clear();
}

void KeyDecoder::reset() {
  bytes_.clear();
  text_.clear();
  shift_ = 0;
}

void KeyDecoder::feed(std::string_view bytes, const ScanSink& sink) {
  bytes_.append(bytes);
  size_t used = 0;
  for (; used + sizeof(input_event) <= bytes_.size(); used += sizeof(input_event)) {
    input_event e;
    std::memcpy(&e, bytes_.data() + used, sizeof e);
    if (e.type != EV_KEY) continue;
    if (e.code == KEY_LEFTSHIFT || e.code == KEY_RIGHTSHIFT) {
      const int bit = e.code == KEY_LEFTSHIFT ? 1 : 2;
      shift_ = e.value ? (shift_ | bit) : (shift_ & ~bit);
      continue;
    }
    if (e.value != 1) continue;  // presses only; releases and repeats type nothing
    if (e.code == KEY_ENTER || e.code == KEY_KPENTER) {
      if (!text_.empty()) sink(text_);
      text_.clear();
      continue;
    }
    if (char c = key_char(layout_, e.code, shift_ != 0); c && text_.size() < kMaxScan) text_ += c;
  }
  bytes_.erase(0, used);
}

namespace {

using KeyMap = std::map<unsigned, std::pair<char, char>>;

// A row of keys from `first`: each character of `plain` unshifted and of
// `shifted` with shift; \x01 where the key types no ASCII character.
void row(KeyMap& m, unsigned first, std::string_view plain, std::string_view shifted) {
  for (size_t i = 0; i < plain.size(); ++i) {
    auto pick = [](char c) { return c == '\x01' ? '\0' : c; };
    m[first + static_cast<unsigned>(i)] = {pick(plain[i]), pick(shifted[i])};
  }
}

KeyMap keypad() {
  KeyMap m;
  const std::pair<unsigned, char> keys[] = {{KEY_KP0, '0'}, {KEY_KP1, '1'}, {KEY_KP2, '2'}, {KEY_KP3, '3'},
                                            {KEY_KP4, '4'}, {KEY_KP5, '5'}, {KEY_KP6, '6'}, {KEY_KP7, '7'},
                                            {KEY_KP8, '8'}, {KEY_KP9, '9'}, {KEY_KPDOT, '.'}, {KEY_KPMINUS, '-'},
                                            {KEY_KPPLUS, '+'}, {KEY_KPASTERISK, '*'}, {KEY_KPSLASH, '/'}};
  for (auto [k, c] : keys) m[k] = {c, c};
  m[KEY_SPACE] = {' ', ' '};
  return m;
}

// \x01 marks a key that types no ASCII character (é, è, ç, à, °, ù, µ, §, dead keys).
const KeyMap& layout_map(const std::string& layout) {
  static const KeyMap us = [] {
    KeyMap m = keypad();
    row(m, KEY_1, "1234567890-=", "!@#$%^&*()_+");
    row(m, KEY_Q, "qwertyuiop[]", "QWERTYUIOP{}");
    row(m, KEY_A, "asdfghjkl;'`", "ASDFGHJKL:\"~");
    row(m, KEY_BACKSLASH, "\\zxcvbnm,./", "|ZXCVBNM<>?");
    return m;
  }();
  static const KeyMap fr = [] {
    KeyMap m = keypad();
    row(m, KEY_1, "&\x01\"'(-\x01_\x01\x01)=", "1234567890\x01+");
    row(m, KEY_Q, "azertyuiop\x01$", "AZERTYUIOP\x01\x01");
    row(m, KEY_A, "qsdfghjklm\x01\x01", "QSDFGHJKLM%\x01");
    row(m, KEY_BACKSLASH, "*wxcvbn,;:!", "\x01WXCVBN?./\x01");
    return m;
  }();
  return layout == "fr" ? fr : us;
}

}  // namespace

char key_char(const std::string& layout, unsigned code, bool shift) {
  const KeyMap& m = layout_map(layout);
  auto it = m.find(code);
  if (it == m.end()) return 0;
  return shift ? it->second.second : it->second.first;
}


}  // namespace posd::drivers
