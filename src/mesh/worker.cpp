#include "mesh/worker.h"

namespace flatnet::mesh {

Worker::Worker(Node& node, int index, net::UdpSocket socket, tun::TunQueue& queue)
    : node_(node), index_(index), socket_(std::move(socket)), tun_(queue) {}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  inside_thread_ = std::thread([this] { RunInside(); });
  outside_thread_ = std::thread([this] { RunOutside(); });
}

void Worker::Stop() {
  stopping_.store(true);
  // The TUN side is woken by the device's Interrupt (Node::Stop), the UDP side here.
  socket_.Interrupt();
  if (inside_thread_.joinable()) inside_thread_.join();
  if (outside_thread_.joinable()) outside_thread_.join();
}

}  // namespace flatnet::mesh
