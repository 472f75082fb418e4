// Work handed to an event loop (an io_context run by one thread) from another
// thread: the journal's writer, the link's reader, the outbox's reader.
//
// asio's post takes the io_context's lock and, still holding it, wakes the
// loop out of epoll; the loop then waits for that same lock, and on two busy
// cores for the poster to get a core back (up to 11 ms measured under a
// catalog's apply, with a lane's scan waiting behind it). loop_post holds a
// lock of its own only to append, and wakes the loop through an eventfd
// after letting go. Handlers posted here run on the loop in the order
// posted, and count as the loop's work until they have run, as asio's do.
#pragma once

#include <functional>

#include <boost/asio/io_context.hpp>

namespace posd {

// Any thread. `f` runs on a thread running `io`; if one throws, the ones
// after it still run, at the loop's next turn.
void loop_post(boost::asio::io_context& io, std::function<void()> f);

}  // namespace posd
