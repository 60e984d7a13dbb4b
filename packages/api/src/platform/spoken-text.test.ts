import { describe, expect, it } from 'vitest';
import { readDigits, readInteger, toSsml, toVoiceText } from './spoken-text';

describe('numbers read aloud', () => {
  it('reads integers the way they are said', () => {
    expect(readInteger('0')).toBe('零');
    expect(readInteger('10')).toBe('十');
    expect(readInteger('12')).toBe('十二');
    expect(readInteger('105')).toBe('一百零五');
    expect(readInteger('189')).toBe('一百八十九');
    expect(readInteger('2000')).toBe('两千');
    expect(readInteger('1010')).toBe('一千零一十');
    expect(readInteger('20000')).toBe('两万');
    expect(readInteger('10001')).toBe('一万零一');
    expect(readInteger('100000001')).toBe('一亿零一');
    expect(readDigits('13800138000')).toBe('幺三八零零幺三八零零零');
  });
});

describe('toVoiceText', () => {
  it('prices', () => {
    expect(toVoiceText('到手价¥189')).toBe('到手价一百八十九元');
    expect(toVoiceText('只要19.9元')).toBe('只要十九点九元');
    expect(toVoiceText('￥299.00包邮')).toBe('两百九十九元包邮');
    expect(toVoiceText('满300减50元')).toBe('满三百减五十元');
  });
  it('dates and times', () => {
    expect(toVoiceText('2026-12-01发货')).toBe('二零二六年十二月一日发货');
    expect(toVoiceText('活动到2026年11月30日')).toBe('活动到二零二六年十一月三十日');
    expect(toVoiceText('12月12日晚上20:00开抢')).toBe('十二月十二日晚上二十点开抢');
    expect(toVoiceText('客服时间9:30到21:00')).toBe('客服时间九点半到二十一点');
    expect(toVoiceText('双11前下单')).toBe('双十一前下单');
  });
  it('sizes and measures', () => {
    expect(toVoiceText('规格50ml')).toBe('规格五十毫升');
    expect(toVoiceText('净含量30g，1.5L装')).toBe('净含量三十克，一点五升装');
    expect(toVoiceText('身高165cm选M码')).toBe('身高一百六十五厘米选M码');
    expect(toVoiceText('建议选XL或2XL')).toBe('建议选X L或X X L');
    expect(toVoiceText('2瓶起发')).toBe('两瓶起发');
  });
  it('SPF and PA values', () => {
    expect(toVoiceText('SPF50+ PA++++')).toBe('SPF五十加 PA四个加');
    expect(toVoiceText('防晒指数spf30')).toBe('防晒指数SPF三十');
  });
  it('order numbers digit by digit', () => {
    expect(toVoiceText('订单号20261130001已发货')).toBe('订单号二零二六幺幺三零零零幺已发货');
    expect(toVoiceText('订单 A2026-1130 已签收')).toBe('订单A 二零二六，幺幺三零 已签收');
    expect(toVoiceText('运单号：SF1234567890')).toBe('运单号：S F 幺二三四五六七八九零');
  });
  it('phone numbers in groups', () => {
    expect(toVoiceText('请拨打400-820-1234')).toBe('请拨打四零零，八二零，幺二三四');
    expect(toVoiceText('回拨13800138000')).toBe('回拨幺三八，零零幺三，八零零零');
    expect(toVoiceText('电话+86 13912345678')).toBe('电话加八六，幺三九，幺二三四，五六七八');
    expect(toVoiceText('座机021-62345678')).toBe('座机零二幺，六二三四五六七八');
  });
  it('handoff short codes digit by digit', () => {
    expect(toVoiceText('您的接续码是 482915')).toBe('您的接续码是四八二九幺五');
  });
  it('ranges, percentages and short sentences', () => {
    expect(toVoiceText('1-3个工作日退回；银行卡需要1-5个工作日')).toBe(
      '一到三个工作日退回。银行卡需要一到五个工作日',
    );
    expect(toVoiceText('全场8.5折，会员再减10%')).toBe('全场八点五折，会员再减百分之十');
    expect(toVoiceText('在订单详情点「申请售后」～')).toBe('在订单详情点申请售后。');
    expect(toVoiceText('早晚用洁面乳（不紧绷），再用面霜')).toBe('早晚用洁面乳，不紧绷，再用面霜');
  });
  it('prices with thousands separators are one number (review 15)', () => {
    expect(toVoiceText('这款精华售价2,599元')).toBe('这款精华售价两千五百九十九元');
    expect(toVoiceText('¥2,599')).toBe('两千五百九十九元');
    expect(toVoiceText('价格：¥1,299.00')).toBe('价格：一千二百九十九元');
    expect(toVoiceText('￥10,000起')).toBe('一万元起');
    expect(toVoiceText('已售1,234,567件')).toBe('已售一百二十三万四千五百六十七件');
    // A year is still read digit by digit; a count of 1,999 is a number.
    expect(toVoiceText('1999年上市，已售1,999件')).toBe('一九九九年上市，已售一千九百九十九件');
    // Not a separator: a list in Chinese text, or a comma then a space.
    expect(toVoiceText('尺码36，38，40')).toBe('尺码三十六，三十八，四十');
    expect(toVoiceText('99, 199')).toBe('九十九, 一百九十九');
    expect(toVoiceText('运费0.5元')).toBe('运费零点五元');
  });
  it('festival dates written with a dot, and 2 as 两 before units and 万/千 (review 15)', () => {
    expect(toVoiceText('11.11当天下单')).toBe('双十一当天下单');
    expect(toVoiceText('12.12返场，6.18大促')).toBe('双十二返场，六一八大促');
    expect(toVoiceText('券后11.11元')).toBe('券后十一点一一元');
    expect(toVoiceText('小样2ml，限量2万份')).toBe('小样两毫升，限量两万份');
    expect(toVoiceText('满2千减200')).toBe('满两千减两百');
    expect(toVoiceText('客服9:05上线')).toBe('客服九点零五分上线');
  });
  it('ranges of measures keep their unit; a slash lists, it does not mean "or" (review 15)', () => {
    expect(toVoiceText('建议身高155-160cm、体重42~48kg')).toBe(
      '建议身高一百五十五到一百六十厘米、体重四十二到四十八公斤',
    );
    expect(toVoiceText('每次用1-2ml')).toBe('每次用一到两毫升');
    expect(toVoiceText('S：胸围84cm/腰围66cm/裙长118cm')).toBe(
      'S：胸围八十四厘米，腰围六十六厘米，裙长一百一十八厘米',
    );
    expect(toVoiceText('支持微信/支付宝付款')).toBe('支持微信，支付宝付款');
    expect(toVoiceText('1-3个工作日')).toBe('一到三个工作日');
  });
  it('drops characters XML cannot hold, so TwiML and SSML can always be built (review 15)', () => {
    // A vertical tab from a spreadsheet cell, a noncharacter, a lone surrogate.
    const spoken = toVoiceText('积分可以抵现\u000B100积分抵1元\uFFFF\uD800');
    expect(spoken).toBe('积分可以抵现 一百积分抵一元');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(toSsml(spoken)).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  });
  it('is stable on its own output', () => {
    const once = toVoiceText('未开封3年，开封后12个月内用完；SPF50+，¥189，订单号20261130001');
    expect(toVoiceText(once)).toBe(once);
    expect(once).not.toMatch(/\d/);
  });
  it('SSML: one sentence per <s>, escaped', () => {
    expect(toSsml('第一步。点<申请售后>。')).toBe(
      '<speak version="1.1" xml:lang="zh-CN"><s>第一步。</s><break time="300ms"/><s>点&lt;申请售后&gt;。</s></speak>',
    );
  });
});
