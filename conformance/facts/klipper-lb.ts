/**
 * k3s ServiceLB: what the klipper-lb v0.4.9 `entry` script does inside each svclb pod (read at the tag's
 * commit; not mirrored, so no check), what its README says (mirrored), and how k3s' service controller builds
 * the svclb DaemonSet (labels, namespace, the environment `entry` reads). The k3s source was read at commit
 * 0821db5a, a stored version whose default ServiceLB image is rancher/klipper-lb:v0.4.9 (the pin); the
 * v1.28.15+k3s1 tag itself could not be fetched (repository snapshot over the size limit).
 */
import { factTable } from '../upstream';

export const KLIPPER_FACTS = factTable('klipper-lb', {
  hostPortPerService: {
    fact: 'ServiceLB binds a host port per Service port and forwards with iptables to the cluster IP',
    value: 'hostPort',
    upstream: 'klipper-lb',
    path: 'README.md',
    check: { contains: 'works by using a host port for each service load balancer and setting up\niptables to forward the request to the cluster IP' },
  },
  entryDnat: {
    fact: 'entry inserts a PREROUTING DNAT of SRC_PORT to each DEST_IPS address on DEST_PORT',
    value: 'nat PREROUTING -p $DEST_PROTO --dport $SRC_PORT -j DNAT --to $dest_ip:$DEST_PORT',
    upstream: 'klipper-lb',
    path: 'entry',
  },
  entryMasquerade: {
    fact: 'entry MASQUERADEs everything it forwards to DEST_IPS (POSTROUTING -d dest_ip -j MASQUERADE), so the backend sees the svclb pod address, not the client',
    value: 'nat POSTROUTING -d $dest_ip/32 -p $DEST_PROTO -j MASQUERADE',
    upstream: 'klipper-lb',
    path: 'entry',
  },
  entrySourceRanges: {
    fact: 'entry accepts in FORWARD only SRC_RANGES (the Service loadBalancerSourceRanges, default 0.0.0.0/0) and drops other forwarded traffic to DEST_IPS',
    value: 'SRC_RANGES',
    upstream: 'klipper-lb',
    path: 'entry',
  },
  svclbNamespace: {
    fact: 'k3s runs the svclb DaemonSets in kube-system by default (DefaultLBNS = metav1.NamespaceSystem)',
    value: 'kube-system',
    upstream: 'k3s-servicelb',
    path: 'pkg/cloudprovider/servicelb.go',
  },
  svclbPodLabels: {
    fact: 'svclb pods carry app=svclb-<service>-<uid[:8]>, svccontroller.k3s.cattle.io/svcname=<service> and svccontroller.k3s.cattle.io/svcnamespace=<namespace>',
    value: ['app', 'svccontroller.k3s.cattle.io/svcname', 'svccontroller.k3s.cattle.io/svcnamespace'],
    upstream: 'k3s-servicelb',
    path: 'pkg/cloudprovider/servicelb.go',
  },
  svclbDestination: {
    fact: 'with externalTrafficPolicy Cluster, DEST_IPS is the Service ClusterIPs and DEST_PORT the Service port; with Local, DEST_IPS is the pod host IP(s) and DEST_PORT the NodePort',
    value: { Cluster: ['spec.clusterIPs', 'port'], Local: ['status.hostIPs', 'nodePort'] },
    upstream: 'k3s-servicelb',
    path: 'pkg/cloudprovider/servicelb.go',
  },
  svclbContainerPorts: {
    fact: 'each Service port becomes a container lb-<proto>-<port> with containerPort = hostPort = the Service port and capability NET_ADMIN',
    value: { hostPort: 'port', capabilities: ['NET_ADMIN'] },
    upstream: 'k3s-servicelb',
    path: 'pkg/cloudprovider/servicelb.go',
  },
  defaultImage: {
    fact: 'the k3s version read defaults ServiceLB to rancher/klipper-lb:v0.4.9',
    value: 'rancher/klipper-lb:v0.4.9',
    upstream: 'k3s-servicelb',
    path: 'pkg/cloudprovider/servicelb.go',
  },
});
