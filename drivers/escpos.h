// ESC/POS: the byte language of receipt printers (Epson TM and the many that
// follow it). A small builder for what a receipt needs: initialise, code page
// (WPC1252: € and Western European letters), alignment, bold, double size,
// a QR code or CODE128 barcode, feed and partial cut, the cash drawer kick,
// and the real-time status request. Pure: it only makes bytes.
#pragma once

#include <string>
#include <string_view>

namespace posd::escpos {

enum class Align { left = 0, center = 1, right = 2 };

class Document {
 public:
  Document();  // starts with ESC @ (initialise) and ESC t 16 (WPC1252)

  Document& align(Align a);
  Document& bold(bool on);
  Document& double_size(bool on);
  // UTF-8 text, written in WPC1252; a character it lacks prints as '?'.
  Document& text(std::string_view utf8);
  Document& line(std::string_view utf8) { return text(utf8).text("\n"); }
  Document& feed(int lines);
  // A QR code (model 2, module size 6, error correction M) of `data`.
  Document& qr(std::string_view data);
  // A CODE128 barcode (code set B) with its human-readable text below.
  Document& code128(std::string_view data);
  Document& cut();  // feed to the cutter and cut partially (GS V 66 n)

  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

// ESC p 0 25 250: a 50 ms pulse on drawer pin 2, then 500 ms off.
std::string drawer_kick();
// DLE EOT 1: ask the printer's status; it answers one byte (printer_ready).
std::string status_request();
// Whether the answer byte to status_request() says the printer is online.
bool printer_ready(unsigned char status);

// WPC1252 for one UTF-8 string (exposed for tests).
std::string to_cp1252(std::string_view utf8);

}  // namespace posd::escpos
