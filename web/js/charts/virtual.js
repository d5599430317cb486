// Devices that are not hardware: loop and RAM disks (snap images, zram swap) and virtual network interfaces
// (bridges, container veths, traffic shapers). They crowd the disk and network charts, so the machine view hides
// them unless "show virtual devices" is ticked.

const VIRTUAL_BLOCK = /^(loop|ram|zram)\d+$/;
const VIRTUAL_NET = /^(lo|veth.*|docker\d*|br-.*|virbr\d*(-nic)?|ifb\d+|vnet\d+|cali.*|flannel.*|cni\d*|kube-.*|dummy\d*)$/;

export function isVirtualBlockDevice(name) { return VIRTUAL_BLOCK.test(name ?? ''); }
export function isVirtualInterface(name) { return VIRTUAL_NET.test(name ?? ''); }

const KEY = 'sms.showVirtualDevices';
export function showVirtual() { try { return localStorage.getItem(KEY) === '1'; } catch { return false; } }
export function setShowVirtual(on) { try { localStorage.setItem(KEY, on ? '1' : '0'); } catch { /* private mode */ } }
