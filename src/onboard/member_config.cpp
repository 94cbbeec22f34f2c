#include "onboard/member_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace flatnet::onboard {
namespace {

Status At(const TeamTemplate& team, const std::string& key, const std::string& what) {
  return Status::Error(team.path + ": " + key + ": " + what);
}

}  // namespace

Result<TeamTemplate> LoadTeamTemplate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read team template " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseTeamTemplate(path, text.str());
}

Result<TeamTemplate> ParseTeamTemplate(const std::string& path, const std::string& text) {
  TeamTemplate team;
  team.path = path;
  team.text = text;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Error(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) return Status::Error(path + ": must be a YAML mapping (a Nebula config.yml)");
  try {
    if (YAML::Node t = root["team"]) {
      if (!t.IsMap()) return At(team, "team", "must be a mapping");
      if (t["name"]) team.name = t["name"].as<std::string>();
      if (t["network"]) {
        Result<IpPrefix> net = ParseIpPrefix(t["network"].as<std::string>());
        if (!net.ok() || !net->is_v4()) {
          return At(team, "team.network", "not an IPv4 network: " + t["network"].as<std::string>());
        }
        team.network = net->Masked();
      }
      if (t["join"]) team.join_address = t["join"].as<std::string>();
    }
    if (YAML::Node pki = root["pki"]) {
      for (const char* key : {"ca", "cert", "key"}) {
        if (pki[key]) {
          return At(team, std::string("pki.") + key,
                    "set per member by flatnet; leave it out of the template");
        }
      }
    }
    YAML::Node lighthouse = root["lighthouse"];
    if (lighthouse && lighthouse["am_lighthouse"] && lighthouse["am_lighthouse"].as<bool>()) {
      return At(team, "lighthouse.am_lighthouse", "members are not lighthouses; leave it false");
    }
    YAML::Node hosts = lighthouse ? lighthouse["hosts"] : YAML::Node();
    if (!hosts || !hosts.IsSequence() || hosts.size() == 0) {
      return At(team, "lighthouse.hosts", "the team needs at least one lighthouse");
    }
    YAML::Node static_map = root["static_host_map"];
    for (const YAML::Node& host : hosts) {
      std::string ip = host.as<std::string>();
      if (!static_map || !static_map[ip]) {
        return At(team, "static_host_map",
                  "lighthouse " + ip + " has no underlay address (\"" + ip + "\": [\"HOST:4242\"])");
      }
      team.lighthouses.push_back(ip);
    }
  } catch (const YAML::Exception& e) {
    return Status::Error(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return team;
}

Result<std::string> RenderMemberConfig(const TeamTemplate& team, const std::string& member,
                                       const MemberPki& pki,
                                       const std::vector<std::string>& extra_blocklist) {
  YAML::Node root;
  try {
    root = YAML::Load(team.text);
    root.remove("team");
    YAML::Node p = root["pki"];
    if (!p || !p.IsMap()) p = YAML::Node(YAML::NodeType::Map);
    p["ca"] = pki.ca;
    p["cert"] = pki.cert;
    p["key"] = pki.key;
    if (!extra_blocklist.empty()) {
      YAML::Node list = p["blocklist"];
      if (!list || !list.IsSequence()) list = YAML::Node(YAML::NodeType::Sequence);
      for (const std::string& fingerprint : extra_blocklist) {
        bool present = std::any_of(list.begin(), list.end(), [&](const YAML::Node& n) {
          return n.as<std::string>() == fingerprint;
        });
        if (!present) list.push_back(fingerprint);
      }
      p["blocklist"] = list;
    }
    root["pki"] = p;
  } catch (const YAML::Exception& e) {
    return Status::Error(team.path + ": " + e.msg);
  }
  YAML::Emitter out;
  out << root;
  if (!out.good()) return Status::Error(team.path + ": " + out.GetLastError());
  return "# " + member + "'s config.yml, made by flatnet from " + team.path + "\n" +
         std::string(out.c_str()) + "\n";
}

}  // namespace flatnet::onboard
