import { describe, expect, it } from 'vitest';
import { guideCommand, howToSteps } from './guides';

describe('voice guides', () => {
  it('splits a how-to answer into steps, keeping short fragments with their step', () => {
    expect(
      howToSteps(
        '在订单详情点「申请售后」，选择「退货退款」并填写原因、上传照片；我们会在24小时内审核，通过后页面会显示退货地址，寄出后记得填写快递单号，也可以预约上门取件。',
      ),
    ).toEqual([
      '在订单详情点「申请售后」',
      '选择「退货退款」并填写原因、上传照片',
      '我们会在24小时内审核',
      '通过后页面会显示退货地址',
      '寄出后记得填写快递单号',
      '也可以预约上门取件',
    ]);
    expect(howToSteps('1. 打开App 2. 进入我的订单 3. 点申请售后')).toEqual([
      '打开App',
      '进入我的订单',
      '点申请售后',
    ]);
    expect(howToSteps('第一步：登录；第二步：领券；第三步：下单即可')).toEqual(['登录', '领券', '下单即可']);
    expect(howToSteps('点「券」领取，即可')).toEqual(['点「券」领取，即可']);
  });

  it('hears guide commands in short utterances only', () => {
    expect(guideCommand('下一步')).toBe('next');
    expect(guideCommand('下一步。')).toBe('next');
    expect(guideCommand('继续吧')).toBe('next');
    expect(guideCommand('重复一下')).toBe('repeat');
    expect(guideCommand('再说一遍')).toBe('repeat');
    expect(guideCommand('没听清')).toBe('repeat');
    expect(guideCommand('上一步')).toBe('previous');
    expect(guideCommand('Next')).toBe('next');
    expect(guideCommand('下一步怎么填快递单号呢请告诉我')).toBeNull();
    expect(guideCommand('保质期多久')).toBeNull();
    expect(guideCommand('')).toBeNull();
  });
});
