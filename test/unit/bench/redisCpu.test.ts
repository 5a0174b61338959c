import { redisCpuMicrosFromInfo } from '../../../bench/redisCpu';

it("reads the Redis server's user and system CPU from INFO cpu, in microseconds", () => {
  const info = '# CPU\r\nused_cpu_sys:12.345678\r\nused_cpu_user:1.000001\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n';
  expect(redisCpuMicrosFromInfo(info)).toBe(13_345_679);
});

it('refuses an answer without the fields', () => {
  expect(() => redisCpuMicrosFromInfo('# CPU\r\n')).toThrow('used_cpu_user');
});
